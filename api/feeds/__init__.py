"""Calendar feeds (SPEC section 5), one idea a module.

- `events`: what a feed shows, built purely from the resolved schedule (UIDs, summaries).
- `render`: the iCalendar bytes and the ETag; `vtimezone`: RRULE time zones from zoneinfo.
- `store`: the feeds' repository (feed tokens, the memory of published events).
- `tokens`: who may hand out a feed, and its addresses; `service`: a feed built for a request.
"""
