"""Handling input from outside, below every app: linear-time text patterns (`text`), plausible values
(`validation`), spreadsheet-safe cells (`spreadsheets`) and bounded API parameters (`api_params`).
It imports no project package."""
