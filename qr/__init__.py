"""QR Board domain: rules, queries and commands, importable without Streamlit."""
