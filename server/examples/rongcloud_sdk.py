"""RongCloud's own Python server SDK (PyPI rc-server-sdk 3.2.0) against a local imcore-server.

Start the server (`cargo run -p imcore-server -- --in-memory --listen 127.0.0.1:5391`), then:

    python3 -m venv /tmp/rc && /tmp/rc/bin/pip install rc-server-sdk==3.2.0 jinja2
    /tmp/rc/bin/python server/examples/rongcloud_sdk.py

The app key is the app's client id and the secret its client secret; the SDK's third argument
is the API host list. Nothing here is imcore-specific: the same code runs against RongCloud.
"""

from rongcloud.rongcloud import RongCloud

rc = RongCloud('demo-client-id', 'demo-client-secret', 'http://127.0.0.1:5391')
user = rc.get_user()
print(user.register('alice', 'Alice', 'http://img/alice.png'))
print(user.register('bob', 'Bob'))
print(user.update('alice', 'Alice Liddell'))
print(user.query('alice'))
print(user.check_online('alice'))
block = user.get_block()
print(block.add(['bob'], 10))
print(block.query())
print(block.remove(['bob']))
blacklist = user.get_blacklist()
print(blacklist.add('alice', ['bob']))
print(blacklist.query('alice'))
print(blacklist.remove('alice', ['bob']))
whitelist = user.get_whitelist()
print(whitelist.add('alice', ['bob']))
print(whitelist.query('alice'))
tag = user.get_tag()
print(tag.set(['alice'], ['vip', 'cn']))
print(tag.set(['alice', 'bob'], ['beta']))
print(tag.get(['alice', 'bob']))
# A wrong secret: RongCloud's 1004 (the SDK hands back the raw body of a non-200 answer).
print(RongCloud('demo-client-id', 'wrong', 'http://127.0.0.1:5391').get_user().query('alice'))
