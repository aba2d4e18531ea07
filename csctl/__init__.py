"""csctl: Customer Success numbers and plans from a SaaS company's exports."""

__version__ = "0.1.0"
