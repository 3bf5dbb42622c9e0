"""The one monthly partitioning shared by every month-bound asset (a partition = a month of service)."""

import dagster as dg

# end_offset=1: the current month can be closed on its last days (billing "à terme échu").
months = dg.MonthlyPartitionsDefinition(start_date="2023-01-01", end_offset=1)


def month_of(partition_key: str) -> str:
    """'2025-03-01' (Dagster's key) -> '2025-03' (the warehouse's and the folders' month)."""
    return partition_key[:7]


def partition_of(month: str) -> str:
    return f"{month}-01"
