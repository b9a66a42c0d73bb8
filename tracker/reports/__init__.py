"""The monthly overdue report: compute (monthly), store (issuance), render (xlsx, csv, html)."""
from .issuance import issue_monthly_report, issue_previous_month
from .monthly import compute_monthly_report
from .months import Month, parse_month

__all__ = ["Month", "compute_monthly_report", "issue_monthly_report", "issue_previous_month",
           "parse_month"]
