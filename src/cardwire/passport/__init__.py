"""Reading and verifying an eMRTD (ePassport): LDS parsing, Passive, Active and Chip
Authentication (ICAO Doc 9303-10, 9303-11, 9303-12).

Modules: ``mrz`` (TD1/TD2/TD3 MRZ fields and check digits), ``lds`` (EF.COM and the data
groups), ``sod`` (EF.SOD: CMS SignedData with the LDSSecurityObject), ``passive`` (Passive
Authentication), ``active`` (Active Authentication), ``reader`` (the inspection over a card).
docs/passport.md describes the inspection and its report.
"""
