"""Taking the quiz in Telegram: the flow, the results, and the in-quiz reminder."""
