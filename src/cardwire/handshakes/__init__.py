"""Handshakes over a card or channel: the IO glue between a sans-IO protocol object
(:mod:`cardwire.sm`) and :class:`cardwire.card.CardCommands`.

One way to open a secure session: ``open_<protocol>(card_or_channel, ...)`` runs the
protocol's commands on the card or channel it is given, installs the session there and returns
it (:func:`~cardwire.handshakes.bac.open_bac`, :func:`~cardwire.handshakes.pace.open_pace`,
:func:`~cardwire.handshakes.scp03.open_scp03`, :func:`~cardwire.handshakes.counter.open_counter`,
:func:`~cardwire.handshakes.keycard.open_keycard`). The session is bound to that channel:
``other_channel.secure(session)`` raises UsageError.
"""
