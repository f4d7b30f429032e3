"""Discord adapters, one package per feature: parse, check, defer, call a service, render, reply."""
