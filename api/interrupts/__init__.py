"""Load actually carried during turns: interruptions posted by leads and monitoring systems
(Prometheus Alertmanager's webhook payload as it is), and the team setting that lets them
shift future shares."""
