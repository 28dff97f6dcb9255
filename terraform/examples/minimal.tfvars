# The smallest deployment: one reader; every other setting at its default.
history_invokers = ["user:alice@example.com"]
