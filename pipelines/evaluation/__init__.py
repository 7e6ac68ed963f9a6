"""The annual evaluation's rules (考核细则): YAML files, one folder per evaluation year with every saved
version, checked when read and landed as raw tables for dbt, which computes the scores."""
