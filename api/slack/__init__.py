"""Slack (issue 17): the `/rota` slash command, user groups that follow the rotation, and
handoff announcements. Kept free of imports so that `api.slack.tables` can be loaded on its
own."""
