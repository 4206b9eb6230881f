"""The facts every layer shares: the names of resources, functions, environment variables and
logged events; the keys of the tables and the redrive of the queues; where the lake keeps what;
the fields of the secrets; the operator's metrics; the database's migrations. Standard library
only, and importing nothing of the product: the domain, the adapters, the functions, the CDK
stacks and the local stack all read them from here, so a change reaches every one of them at
once."""
