"""Bank statements: one normalised model and the formats that read into it."""

from .model import BankTransaction, Statement

__all__ = ["BankTransaction", "Statement"]
