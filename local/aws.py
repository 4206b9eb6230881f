"""AWS on one machine: moto in server mode, with Step Functions really executing and the
ingest workflow's Lambda tasks running our handlers in this process."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import requests
from antlr4 import CommonTokenStream, InputStream, ParserRuleContext
from botocore.config import Config
from moto import backends as moto_backends
from moto.core import responses as moto_responses
from moto.core import utils as moto_utils
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
    resource_eval_s3 as item_reader_s3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_sqs,
)
from moto.stepfunctions.parser.asl.parse.asl_parser import (
    AmazonStateLanguageParser,
    ASLParserException,
    SyntaxErrorListener,
)
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from werkzeug.serving import BaseWSGIServer, make_server

from adapters.secrets import ApplicationSecrets, GeneratedSecrets
from contracts.names import Handler, ResourceNames
from contracts.resources import Queues, QueueSpec, Tables, TableSpec
from handlers import (
    abandon_similarity_rebuild,
    compute_similarity_shard,
    converse,
    fetch_artists,
    finish_similarity_rebuild,
    give_up_stale_waiters,
    notify_waiters,
    plan_batches,
    plan_refresh,
    prepare_similarity_rebuild,
    recompute_similarity,
    resolve_lookups,
)
from local import lambda_dispatch
from local.lambda_dispatch import LambdaHandler, LocalFunction, OnFailure
from local.state_limits import fail_maps_whose_result_is_too_large
from stacks.function_timeouts import FUNCTION_TIMEOUT_SECONDS
from stacks.workflow_definitions import (
    INGEST_WORKFLOW_FILE,
    IngestSubstitution,
    render_definition,
    substitute,
)

_log = logging.getLogger(__name__)
REGION = "us-east-1"
LOOPBACK = "127.0.0.1"
ACCOUNT = "123456789012"
# moto takes any credentials: a machine with none of its own signs its calls with these.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def use_local_credentials() -> None:
    """Clients this process builds from its environment sign with LOCAL_CREDENTIALS, unless
    the environment names credentials of its own."""
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)


@dataclass(frozen=True)
class LocalResources:
    lake_bucket: str
    genres_table: str
    waiters_table: str
    messages_table: str
    last_answers_table: str
    requests_queue_url: str
    dead_letter_queue_url: str
    ingest_state_machine_arn: str
    converse_function: str
    converse_failures_queue_url: str


LOCAL_STAGE = ResourceNames(stage="local")
# The workflow's placeholders, the Lambda entry point behind each, and its function here.
INGEST_FUNCTIONS = {
    IngestSubstitution.RESOLVE_LOOKUPS: (Handler.RESOLVE_LOOKUPS, resolve_lookups.handle),
    IngestSubstitution.PLAN_BATCHES: (Handler.PLAN_BATCHES, plan_batches.handle),
    IngestSubstitution.FETCH_ARTISTS: (Handler.FETCH_ARTISTS, fetch_artists.handle),
    IngestSubstitution.RECOMPUTE_SIMILARITY: (
        Handler.RECOMPUTE_SIMILARITY,
        recompute_similarity.handle,
    ),
    IngestSubstitution.NOTIFY_WAITERS: (Handler.NOTIFY_WAITERS, notify_waiters.handle),
    IngestSubstitution.GIVE_UP_STALE_WAITERS: (
        Handler.GIVE_UP_STALE_WAITERS,
        give_up_stale_waiters.handle,
    ),
    IngestSubstitution.PLAN_REFRESH: (Handler.PLAN_REFRESH, plan_refresh.handle),
    IngestSubstitution.PREPARE_SIMILARITY_REBUILD: (
        Handler.PREPARE_SIMILARITY_REBUILD,
        prepare_similarity_rebuild.handle,
    ),
    IngestSubstitution.COMPUTE_SIMILARITY_SHARD: (
        Handler.COMPUTE_SIMILARITY_SHARD,
        compute_similarity_shard.handle,
    ),
    IngestSubstitution.FINISH_SIMILARITY_REBUILD: (
        Handler.FINISH_SIMILARITY_REBUILD,
        finish_similarity_rebuild.handle,
    ),
    IngestSubstitution.ABANDON_SIMILARITY_REBUILD: (
        Handler.ABANDON_SIMILARITY_REBUILD,
        abandon_similarity_rebuild.handle,
    ),
}


def register_converse(
    sqs: Any, failures_queue_url: str, processes: int, names: ResourceNames = LOCAL_STAGE
) -> None:
    """Route this process's invocations of converse to its handler, in `processes` worker
    processes (none: this process), with its on-failure destination the queue at
    failures_queue_url, sent to with `sqs`."""
    function = names.function(Handler.CONVERSE)
    lambda_dispatch.register(
        {
            function: LocalFunction(
                converse.handle, FUNCTION_TIMEOUT_SECONDS[Handler.CONVERSE], processes
            )
        },
        on_failure={
            function: OnFailure(
                sqs, failures_queue_url, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
            )
        },
    )


def local_functions(
    entry_points: Mapping[str, LambdaHandler], names: ResourceNames = LOCAL_STAGE
) -> dict[str, LocalFunction]:
    """Each entry point's handler under its function's name, with that function's timeout."""
    return {
        names.function(entry): LocalFunction(handler, FUNCTION_TIMEOUT_SECONDS[entry])
        for entry, handler in entry_points.items()
    }


class LocalAws:
    """A moto server on a free loopback port. Only one per process: moto's Step Functions
    interpreter finds its server through the MOTO_PORT environment variable."""

    def __init__(self) -> None:
        self._server = _MotoServer()
        self.endpoint_url = ""

    def start(self) -> None:
        # moto's server logs every request at INFO: noise next to a chat transcript.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto's interpreter logs every JSONPath miss at ERROR, the ones a Choice's IsPresent
        # tests for on purpose too; a real failure still ends the execution with its cause.
        logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component").setLevel(
            logging.CRITICAL
        )
        use_local_credentials()
        fail_maps_whose_result_is_too_large()
        _cache_moto_lookups()
        port = self._server.start(port=0)
        self.endpoint_url = f"http://{LOOPBACK}:{port}"
        os.environ["MOTO_PORT"] = str(port)
        response = requests.post(
            f"{self.endpoint_url}/moto-api/config",
            json={
                "stepfunctions": {"execute_state_machine": True},
                "lambda": {"use_docker": False},
            },
            timeout=5,
        )
        response.raise_for_status()

    def stop(self) -> None:
        self._server.stop()

    def restart(self, down_seconds: float) -> None:
        """The endpoint goes away for down_seconds, as a restarted one does: connections
        refused, the open ones dropped mid-request; then it answers on the same port again.
        Every resource stays, and every execution runs on: moto keeps them in this process,
        not in its server."""
        port = self._server.stop()
        _log.warning("the local AWS endpoint is down for %g s", down_seconds)
        time.sleep(down_seconds)
        self._server.start(port=port)
        _log.warning("the local AWS endpoint answers again")

    def client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]  # one factory for several services
            region_name=REGION,
            endpoint_url=self.endpoint_url,
        )

    def create_resources(
        self, names: ResourceNames = LOCAL_STAGE, *, converse_processes: int = 0
    ) -> LocalResources:
        """Everything the CDK stacks create that the local stack needs. converse_processes
        worker processes answer messages (none: this process, where adapters a test swaps in
        reach the converse function)."""
        # In AWS the bucket's name is generated; here one per stage is enough.
        lake_bucket = f"{names.ingest_state_machine}-lake"
        self.client("s3").create_bucket(Bucket=lake_bucket)
        dynamodb = self.client("dynamodb")
        _create_table(dynamodb, names.genres_table, Tables.GENRES)
        _create_table(dynamodb, names.waiters_table, Tables.WAITERS)
        _create_table(dynamodb, names.messages_table, Tables.PROCESSED_MESSAGES)
        _create_table(dynamodb, names.last_answers_table, Tables.LAST_ANSWERS)

        sqs = self.client("sqs")
        dlq_url, dlq_arn = _create_queue(sqs, names.requests_dead_letter_queue, Queues.DEAD_LETTERS)
        queue_url, _ = _create_queue(
            sqs,
            names.requests_queue,
            Queues.ARTIST_REQUESTS,
            RedrivePolicy=json.dumps(
                {
                    "deadLetterTargetArn": dlq_arn,
                    "maxReceiveCount": str(Queues.ARTIST_REQUESTS.max_receive_count),
                }
            ),
        )

        converse_function = names.function(Handler.CONVERSE)
        converse_failures_url, _ = _create_queue(
            sqs, names.converse_failures_queue, Queues.DEAD_LETTERS
        )
        lambda_dispatch.register(local_functions(dict(INGEST_FUNCTIONS.values()), names))
        register_converse(sqs, converse_failures_url, converse_processes, names)
        definition = substitute(
            render_definition(INGEST_WORKFLOW_FILE),
            {
                substitution: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{names.function(entry)}"
                for substitution, (entry, _) in INGEST_FUNCTIONS.items()
            }
            | {
                IngestSubstitution.DEAD_LETTER_QUEUE_URL: dlq_url,
                IngestSubstitution.LAKE_BUCKET: lake_bucket,
            },
        )
        stepfunctions = self.client("stepfunctions")
        machine_arn = stepfunctions.create_state_machine(
            name=names.ingest_state_machine,
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{names.ingest_state_machine}",
        )["stateMachineArn"]
        return LocalResources(
            lake_bucket=lake_bucket,
            genres_table=names.genres_table,
            waiters_table=names.waiters_table,
            messages_table=names.messages_table,
            last_answers_table=names.last_answers_table,
            requests_queue_url=queue_url,
            dead_letter_queue_url=dlq_url,
            ingest_state_machine_arn=machine_arn,
            converse_function=converse_function,
            converse_failures_queue_url=converse_failures_url,
        )

    def create_secrets(
        self,
        application: ApplicationSecrets,
        generated: GeneratedSecrets,
        names: ResourceNames = LOCAL_STAGE,
    ) -> tuple[str, str]:
        """The application and generated secrets as the functions read them on AWS, already
        filled in; returns their ARNs, in that order."""
        client = self.client("secretsmanager")
        application_arn = client.create_secret(
            Name=names.application_secret, SecretString=application.secret_string()
        )["ARN"]
        generated_arn = client.create_secret(
            Name=names.generated_secret, SecretString=generated.secret_string()
        )["ARN"]
        return str(application_arn), str(generated_arn)


class _MotoServer:
    """moto's threaded server (as moto.server.ThreadedMotoServer runs it), which also drops
    its open connections when it stops."""

    def __init__(self) -> None:
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int) -> int:
        """Serve on `port` (0: a free one); returns the port."""
        server = make_server(
            LOOPBACK,
            port,
            DomainDispatcherApplication(create_backend_app),
            threaded=True,
            request_handler=_TrackedRequestHandler,
        )
        server.open_connections = set()  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        return int(server.server_address[1])

    def stop(self) -> int:
        """Stop serving, refuse connections and drop the open ones; returns the port."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return 0
        port = int(server.server_address[1])
        server.shutdown()
        server.server_close()
        for connection in list(server.open_connections):  # type: ignore[attr-defined]
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        thread.join()
        self._server = self._thread = None
        return port


class _TrackedRequestHandler(MotoRequestHandler):
    """moto's handler, its connection known to the server while it is open."""

    def setup(self) -> None:
        super().setup()
        self.server.open_connections.add(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.open_connections.discard(self.connection)  # type: ignore[attr-defined]
        super().finish()


_method_names_of = functools.cache(moto_utils.method_names_from_class)


# Tasks of all running executions share one interpreter client a service: a connection each.
_INTERPRETER_CONNECTIONS = 64
# Enough tries, backing off up to 20 s between them, to outlast the endpoint's restart.
_INTERPRETER_ATTEMPTS = 10


def _cache_moto_lookups() -> None:
    """Four things moto works out again each time, though none changes while it runs: its
    package folder's listing (a stat a service), which its server matches the Host header
    against; the methods of the response class that answers (every attribute of the class
    inspected), which it looks the action up in; the parse tree of a state machine's
    definition, which its Step Functions interpreter builds anew for every execution; and
    the boto3 client that interpreter calls a task's service with, built anew for every task
    (its service model loaded, a new connection, and a new server thread to answer it)."""
    modules = tuple(moto_backends.list_of_moto_modules())
    moto_backends.list_of_moto_modules = lambda: modules
    moto_responses.method_names_from_class = _method_names_of  # type: ignore[attr-defined]
    AmazonStateLanguageParser.parse = staticmethod(_parse_with_cached_tree)  # type: ignore[method-assign]
    for module in (lambda_eval_utils, state_task_service_sqs, item_reader_s3):
        module.boto_client_for = _interpreter_client  # type: ignore[attr-defined]


def _interpreter_client(region: str, service: str, state_credentials: object = None) -> Any:
    # The credentials an execution runs with are not checked by moto: one client serves all.
    return _interpreter_client_of(region, service)


@functools.cache
def _interpreter_client_of(region: str, service: str) -> Any:
    """The client moto's own builds, with room in its pool for every concurrent task, and
    retrying a connection refused or dropped as Step Functions' own calls to a service do:
    moto's gives up at once, and its interpreter fails the task with States.Runtime, which no
    Retry or Catch of a workflow may match."""
    return boto3.client(
        service,  # type: ignore[call-overload]  # one factory for several services
        region_name=region,
        endpoint_url=f"http://localhost:{moto_server_port()}",
        aws_access_key_id="ak",
        aws_secret_access_key="sk",  # noqa: S106  # moto's own placeholder, checked by nobody
        config=Config(
            parameter_validation=False,
            retries={"mode": "standard", "total_max_attempts": _INTERPRETER_ATTEMPTS},
            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            max_pool_connections=_INTERPRETER_CONNECTIONS,
        ),
    )


@functools.lru_cache(maxsize=16)
def _parse_tree_of(definition: str) -> ParserRuleContext:
    """moto's parse without its last step: the tree of a definition, which its grammar's
    parser (pure Python) takes about 100 ms of the interpreter lock to build, and which no
    step after it changes."""
    syntax_errors = SyntaxErrorListener()  # type: ignore[no-untyped-call]  # moto untyped
    parser = ASLParser(CommonTokenStream(ASLLexer(InputStream(definition))))
    parser.removeErrorListeners()
    parser.addErrorListener(syntax_errors)
    tree = parser.state_machine()  # type: ignore[no-untyped-call]  # generated, untyped
    if syntax_errors.errors:
        raise ASLParserException(errors=syntax_errors.errors)
    return tree


def _parse_with_cached_tree(definition: str) -> tuple[EvalComponent, ParserRuleContext]:
    # The evaluation components are built anew from the tree: each execution holds its own.
    tree = _parse_tree_of(definition)
    return Preprocessor().visit(tree), tree


def _create_table(client: Any, name: str, spec: TableSpec) -> None:
    keys = spec.key_attributes
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
        KeySchema=[
            {"AttributeName": key, "KeyType": kind}
            for key, kind in zip(keys, ("HASH", "RANGE"), strict=False)
        ],
    )
    if spec.time_to_live_attribute is not None:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": True,
                "AttributeName": spec.time_to_live_attribute,
            },
        )


def _create_queue(sqs: Any, name: str, spec: QueueSpec, **attributes: str) -> tuple[str, str]:
    """The queue `spec` describes, with any further attributes; returns its URL and ARN."""
    url: str = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(int(spec.visibility_timeout.total_seconds())),
            "MessageRetentionPeriod": str(int(spec.retention.total_seconds())),
            **attributes,
        },
    )["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn
