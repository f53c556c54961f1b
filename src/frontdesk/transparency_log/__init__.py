"""The ledger's HTTP publication: the public C2SP tlog-tiles endpoints and the auditor's JSON reads.

A surface, like api, public and console: it parses requests, asks the ledger domain and shows the answer
(docs/adr/0025-layers.md). The ledger app itself holds no HTTP code.
"""
