// The modules whose types the engine's API speaks in: an app imports `Outpost` alone.
@_exported import OutpostCodec
@_exported import OutpostKPI
@_exported import OutpostModel
@_exported import OutpostStore
@_exported import OutpostSync
