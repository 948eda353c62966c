"""revledger: an open-source revenue sub-ledger."""

__version__ = "0.1.0"
