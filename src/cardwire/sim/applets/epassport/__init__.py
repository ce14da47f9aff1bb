"""The ePassport applet: an ICAO LDS1 eMRTD application with BAC and PACE.

Modules: ``lds`` (the TD3 MRZ and the data groups), ``config`` (the profile section and the
application's files), ``applet`` (the commands).
"""
