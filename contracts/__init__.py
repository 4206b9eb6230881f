"""The facts every layer shares: where the lake keeps what, the fields of the secrets, the
names of the operator's metrics. Standard library only, and importing nothing of the product:
the domain, the adapters, the functions, the CDK stacks and the local stack all read them from
here, so a change reaches every one of them at once."""
