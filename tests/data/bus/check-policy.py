#!/usr/bin/python3
"""Checks the shipped ConsoleKit bus policy on a real dbus-daemon started with the test bus
configuration.

A stand-in service owns org.freedesktop.ConsoleKit (as root) and exports the Manager, Seat and
Session interfaces from the interface XML; it answers every call with an error of its own, so
a caller can tell "reached the service" from the bus's AccessDenied. Then every method of the
XML, plus the standard interfaces, is called as root and as nobody (uid 65534): root reaches
everything; nobody reaches everything except the root-only methods. Also checked: only root
may own org.freedesktop.ConsoleKit, and root may own the mock polkit name.

Usage: check-policy.py TEST_BUS_CONF MANAGER_XML SEAT_XML SESSION_XML
Exit status 0 = pass, 1 = fail, 77 = cannot run here (not root, no dbus-daemon, setpriv or gi).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
NOBODY = 65534
BUS_NAME = 'org.freedesktop.ConsoleKit'
ROOT_ONLY = {
    ('org.freedesktop.ConsoleKit.Manager', 'OpenSessionWithParameters'),
    ('org.freedesktop.ConsoleKit.Manager', 'LockSession'),
    ('org.freedesktop.ConsoleKit.Manager', 'UnlockSession'),
    ('org.freedesktop.ConsoleKit.Manager', 'ListSessions'),
    ('org.freedesktop.ConsoleKit.Session', 'Lock'),
    ('org.freedesktop.ConsoleKit.Session', 'Unlock'),
}
OBJECTS = {
    'org.freedesktop.ConsoleKit.Manager': '/org/freedesktop/ConsoleKit/Manager',
    'org.freedesktop.ConsoleKit.Seat': '/org/freedesktop/ConsoleKit/Seat1',
    'org.freedesktop.ConsoleKit.Session': '/org/freedesktop/ConsoleKit/Session1',
}
REACHED = 'org.freedesktop.ConsoleKit.Test.Reached'
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'

# The stand-in service: owns the name and answers every ConsoleKit call with REACHED.
SERVICE = r'''
import json, sys
from gi.repository import Gio, GLib
address, objects = sys.argv[1], json.loads(sys.argv[2])
flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
         Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
def on_call(conn, sender, path, iface, method, params, invocation):
    invocation.return_dbus_error('%s', method)
keep = []
for xml_path, path in objects:
    node = Gio.DBusNodeInfo.new_for_xml(open(xml_path).read())
    keep.append(node)
    conn.register_object(path, node.interfaces[0], on_call, None, None)
conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
               'RequestName', GLib.Variant('(su)', ('%s', 4)), None, 0, -1, None)
print('ready', flush=True)
GLib.MainLoop().run()
''' % (REACHED, BUS_NAME)

# The caller: makes every call in argv[2] and prints {"iface.member": "error name or ok"}.
CALLER = r'''
import json, sys
from gi.repository import Gio, GLib
address, calls = sys.argv[1], json.loads(sys.argv[2])
flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
         Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
out = {}
for dest, path, iface, member, args in calls:
    params = GLib.Variant(args[0], tuple(args[1])) if args else None
    try:
        conn.call_sync(dest, path, iface, member, params, None, 0, 5000, None)
        out[iface + '.' + member] = 'ok'
    except GLib.Error as e:
        out[iface + '.' + member] = Gio.DBusError.get_remote_error(e) or e.message
print(json.dumps(out))
'''


def method_names(xml_path):
    import xml.etree.ElementTree as ET
    iface = ET.parse(xml_path).getroot().find('interface')
    return iface.get('name'), [m.get('name') for m in iface.findall('method')]


def run_calls(address, calls, as_nobody):
    cmd = [sys.executable, '-c', CALLER, address, json.dumps(calls)]
    if as_nobody:
        cmd = ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups'] + cmd
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise RuntimeError('caller failed: ' + res.stderr)
    return json.loads(res.stdout)


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print('SKIP: must run as root (to own %s and to switch to uid %d)' % (BUS_NAME, NOBODY))
        return SKIP
    for tool in ('dbus-daemon', 'setpriv'):
        if shutil.which(tool) is None:
            print('SKIP: %s not found' % tool)
            return SKIP
    try:
        import gi  # noqa: F401  (the service and the callers use Gio)
    except ImportError:
        print('SKIP: python3-gi not installed')
        return SKIP
    conf, xmls = sys.argv[1], sys.argv[2:]
    tmp = tempfile.mkdtemp(prefix='ck-policy-')
    # nobody must be able to reach the socket.
    os.chmod(tmp, 0o755)
    address = 'unix:path=' + os.path.join(tmp, 'bus')
    daemon = subprocess.Popen(['dbus-daemon', '--config-file=' + conf, '--address=' + address,
                               '--print-address', '--nofork'],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    service = None
    failures = []
    try:
        if not daemon.stdout.readline().startswith('unix:'):
            print('FAIL: dbus-daemon did not start')
            return 1
        objects = []
        calls = []
        for xml_path in xmls:
            iface, methods = method_names(xml_path)
            path = OBJECTS[iface]
            objects.append((xml_path, path))
            calls += [[BUS_NAME, path, iface, m, None] for m in methods]
        # The standard interfaces, once (the result key is per interface and member).
        session_path = OBJECTS['org.freedesktop.ConsoleKit.Session']
        calls += [
            [BUS_NAME, session_path, 'org.freedesktop.DBus.Introspectable', 'Introspect', None],
            [BUS_NAME, session_path, 'org.freedesktop.DBus.Peer', 'Ping', None],
            [BUS_NAME, session_path, 'org.freedesktop.DBus.Properties', 'GetAll',
             ['(s)', ['org.freedesktop.ConsoleKit.Session']]],
        ]
        service = subprocess.Popen([sys.executable, '-c', SERVICE, address, json.dumps(objects)],
                                   stdout=subprocess.PIPE, text=True)
        if service.stdout.readline().strip() != 'ready':
            print('FAIL: stand-in service did not start')
            return 1

        for who, as_nobody in (('root', False), ('nobody', True)):
            results = run_calls(address, calls, as_nobody)
            for dest, path, iface, member, args in calls:
                key = iface + '.' + member
                denied = results[key] == ACCESS_DENIED
                expect_denied = as_nobody and (iface, member) in ROOT_ONLY
                verdict = 'ok' if denied == expect_denied else 'FAIL'
                if verdict == 'FAIL':
                    failures.append('%s %s: %s' % (who, key, results[key]))
                print('%-4s %-6s %-58s %s' % (verdict, who, key,
                                               'denied' if denied else 'reached'))

        owners = [
            ('nobody', True, BUS_NAME, False),
            ('nobody', True, 'org.freedesktop.PolicyKit1', False),
            ('root', False, 'org.freedesktop.PolicyKit1', True),
        ]
        for who, as_nobody, name, may_own in owners:
            res = run_calls(address, [['org.freedesktop.DBus', '/org/freedesktop/DBus',
                                       'org.freedesktop.DBus', 'RequestName',
                                       ['(su)', [name, 4]]]], as_nobody)
            owned = res['org.freedesktop.DBus.RequestName'] == 'ok'
            verdict = 'ok' if owned == may_own else 'FAIL'
            if verdict == 'FAIL':
                failures.append('%s RequestName(%s): %s' % (who, name,
                                res['org.freedesktop.DBus.RequestName']))
            print('%-4s %-6s RequestName(%s) %s' % (verdict, who, name,
                                                     'allowed' if owned else 'denied'))
    finally:
        for proc in (service, daemon):
            if proc is not None:
                proc.terminate()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    if failures:
        print('%d policy failure(s):' % len(failures))
        for f in failures:
            print('  ' + f)
        return 1
    print('policy as expected')
    return 0


if __name__ == '__main__':
    sys.exit(main())
