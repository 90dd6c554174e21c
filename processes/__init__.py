"""Application core: models, operations, deployments, timers, calendar, forms. No Flask."""
