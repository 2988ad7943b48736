"""Slack (issue 17): the `/rota` slash command, user groups that follow the rotation, and
handoff announcements."""
