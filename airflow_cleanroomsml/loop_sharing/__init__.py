"""
What the triggers on one triggerer event loop share: clients, and list sweeps of their resources.

A triggerer runs all its triggers on one asyncio loop. :mod:`.registry` lends an object to the
triggers that overlap in time and closes it after the last one; :mod:`.clients` shares one
aiobotocore client per connection; :mod:`.sweeps` answers the reads that coincide with one list call.
None of it is a trigger, and none of it names a kind of resource.
"""
