// The conversation as a Messenger user sees it. What the user types or taps goes to POST /send,
// which delivers it to the bot's webhook; what the bot sends arrives on the /events stream.
"use strict";

// Messenger stops showing a typing indicator after 20 seconds without a message.
const TYPING_SHOWN_MS = 20000;

const thread = document.getElementById("thread");
const quickReplies = document.getElementById("quick-replies");
const composer = document.getElementById("composer");
const input = document.getElementById("message");
const sendButton = document.getElementById("send");
const status = document.getElementById("status");
const userId = chosenUserId();
let typingRow = null;
let typingTimer = null;

function chosenUserId() {
  // ?user=<digits> talks as that user; otherwise the tab keeps one made up on its first load.
  const asked = new URLSearchParams(location.search).get("user");
  if (asked && /^[0-9]{1,20}$/.test(asked)) return asked;
  let kept = sessionStorage.getItem("sixpotify-user");
  if (!kept) {
    kept = "24" + Array.from({ length: 14 }, () => Math.floor(Math.random() * 10)).join("");
    sessionStorage.setItem("sixpotify-user", kept);
  }
  return kept;
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function scrollToEnd() {
  thread.scrollTop = thread.scrollHeight;
}

function append(row) {
  if (typingRow) thread.insertBefore(row, typingRow);
  else thread.appendChild(row);
  scrollToEnd();
}

function botRow(content, className = "") {
  const row = element("li", `row bot ${className}`.trim());
  row.appendChild(element("div", "avatar", "S"));
  row.appendChild(content);
  return row;
}

function showUserMessage(text) {
  const row = element("li", "row user");
  row.appendChild(element("div", "bubble", text));
  append(row);
}

function showNotice(text) {
  append(element("li", "notice", text));
}

function showTyping() {
  clearTimeout(typingTimer);
  if (!typingRow) {
    const dots = element("div", "bubble");
    for (let i = 0; i < 3; i += 1) dots.appendChild(element("span", "dot"));
    typingRow = botRow(dots, "typing");
    typingRow.setAttribute("aria-label", "Sixpotify is typing");
    thread.appendChild(typingRow);
    scrollToEnd();
  }
  typingTimer = setTimeout(hideTyping, TYPING_SHOWN_MS);
}

function hideTyping() {
  clearTimeout(typingTimer);
  if (typingRow) typingRow.remove();
  typingRow = null;
}

function buttonFor(button) {
  if (button.type === "web_url") {
    const link = element("a", "button", button.title);
    link.href = button.url;
    link.target = "_blank";
    link.rel = "noopener";
    return link;
  }
  const tap = element("button", "button", button.title);
  tap.type = "button";
  tap.addEventListener("click", () => send("postback", button.title, button.payload));
  return tap;
}

function showCarousel(elements) {
  const carousel = element("li", "carousel");
  carousel.setAttribute("aria-label", "Carousel");
  for (const card of elements) {
    const shown = element("div", "card");
    if (card.image_url) {
      const image = element("img");
      image.src = card.image_url;
      image.alt = card.title;
      image.addEventListener("load", scrollToEnd);
      shown.appendChild(image);
    }
    const caption = element("div", "caption");
    caption.appendChild(element("p", "title", card.title));
    if (card.subtitle) caption.appendChild(element("p", "subtitle", card.subtitle));
    shown.appendChild(caption);
    for (const button of card.buttons || []) shown.appendChild(buttonFor(button));
    carousel.appendChild(shown);
  }
  append(carousel);
}

function showButtonTemplate(payload) {
  const box = element("div", "buttons");
  box.appendChild(element("div", "bubble", payload.text));
  for (const button of payload.buttons || []) box.appendChild(buttonFor(button));
  append(botRow(box));
}

function showMedia(attachment) {
  const image = element("img", "bubble");
  image.src = attachment.payload.url;
  image.alt = attachment.type;
  append(botRow(image));
}

function showQuickReplies(options) {
  quickReplies.replaceChildren();
  for (const option of options || []) {
    if (option.content_type !== "text") continue;
    const chip = element("button", "chip", option.title);
    chip.type = "button";
    chip.addEventListener("click", () => send("quick_reply", option.title, option.payload));
    quickReplies.appendChild(chip);
  }
  // The chips take room from the thread: its last message stays in sight.
  scrollToEnd();
}

function showSend(body) {
  if (body.sender_action === "typing_on") return showTyping();
  if (body.sender_action) return hideTyping();
  hideTyping();
  const message = body.message;
  const attachment = message.attachment;
  if (message.text !== undefined) {
    append(botRow(element("div", "bubble", message.text)));
  } else if (attachment.type === "template" && attachment.payload.template_type === "generic") {
    showCarousel(attachment.payload.elements);
  } else if (attachment.type === "template") {
    showButtonTemplate(attachment.payload);
  } else {
    showMedia(attachment);
  }
  showQuickReplies(message.quick_replies);
}

async function send(kind, text, payload) {
  showUserMessage(text);
  showQuickReplies([]);
  try {
    const response = await fetch("send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user_id: userId, kind, text, payload }),
    });
    const answer = await response.json();
    if (!response.ok) showNotice(`Not sent: ${answer.error}`);
    else if (answer.webhook_status !== 200) {
      showNotice(`Not delivered: the webhook answered ${answer.webhook_status}`);
    }
  } catch (error) {
    showNotice("Not sent: the web chat cannot be reached");
  }
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send("text", text);
});

const events = new EventSource(`events?user_id=${encodeURIComponent(userId)}`);
events.addEventListener("ready", () => {
  status.textContent = "Active now";
  input.disabled = false;
  sendButton.disabled = false;
  document.body.dataset.connected = "true";
  input.focus();
});
events.addEventListener("message", (event) => showSend(JSON.parse(event.data)));
events.addEventListener("error", () => {
  status.textContent = "reconnecting…";
  document.body.dataset.connected = "false";
});
