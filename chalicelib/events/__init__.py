"""The event catalog: every event our code puts on the bus, with its source, detail-type, version and detail model."""
