"""The Textual TUI (imported only by `rollout` with no command and `rollout tui`)."""
