"""subpack: raw EDC exports -> SDTM -> ADaM -> TLFs, define.xml and a validated submission package."""

__version__ = "0.1.0"
