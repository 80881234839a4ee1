// TillServer: built in its own issue.
