"""hirebot: a Slack bot that runs hiring loops and debriefs."""
