"""Push delivery (DESIGN §14): webhook subscriptions, Standard Webhooks signing, the
endpoint safety rules, the queue each subscription follows and the deliverer that sends it."""

__all__: list[str] = []
