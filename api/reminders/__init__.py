"""Reminders (SPEC section 6): the queue, the pass that fills it from the resolved schedule, the
delivery that claims and sends, the channels, and the loop that runs both on APScheduler."""
