"""The floor `make bench` measures the app against: a one-view Django app with no middleware and no
database, served by the same gunicorn in the same run. A page's ratio to it is what the app costs
beyond Django itself on this machine."""
