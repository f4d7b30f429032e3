"""The presenter screen: a read-only web page per event, for the projector or a stream overlay.

No discord here: the pages read the same services the cogs call, by the event's secret token.
"""
