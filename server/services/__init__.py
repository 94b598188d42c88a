"""The use cases: each opens its own transaction, calls `store/` and `reconcile/`, holds no SQL.

`api/`, `web/` and the CLI parse input, call one function here and render its answer.
"""
