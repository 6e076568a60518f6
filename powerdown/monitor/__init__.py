"""upsmon and upssched: the clients that decide when a machine shuts down."""
