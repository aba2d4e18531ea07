"""One run of csctl: the floor between the commands (csctl/cli) and the figures (csctl/core).

``catalogue`` says every export and rule file once; ``inputs`` is what one run reads (each table read once);
``steps`` runs each step of the strategy over one run's inputs; ``assessment`` gathers the ten steps for csctl
report. See docs/architecture.md.
"""
