'''A python-dbusmock template: a polkit authority for the consolekit-ng tests.

Unlike dbusmock's own polkitd template it answers per action id with "yes", "no" or
"challenge" (is_challenge set) and records every CheckAuthorization it gets, so a test can see
which action id (e.g. the "-multiple-users" variant), which subject and which flags the daemon
sent. Control interface org.freedesktop.DBus.Mock:
  SetAnswer(s action_id, s answer)   answer: yes | no | challenge | error
  SetDefault(s answer)               for actions without an answer (initially "no")
  GetChecks() -> a(ssu)              (action_id, subject bus name, flags), oldest first
  ClearChecks()
'''

import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.PolicyKit1'
MAIN_OBJ = '/org/freedesktop/PolicyKit1/Authority'
MAIN_IFACE = 'org.freedesktop.PolicyKit1.Authority'
SYSTEM_BUS = True


def load(mock, _parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        'BackendName': 'ck-test',
        'BackendVersion': '0.1',
        'BackendFeatures': dbus.UInt32(1, variant_level=1),
    }, signature='sv'))
    mock.answers = {}
    mock.default_answer = 'no'
    mock.checks = []


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})sa{ss}us', out_signature='(bba{ss})')
def CheckAuthorization(self, subject, action_id, _details, flags, _cancellation_id):
    kind, subject_details = subject
    name = str(subject_details.get('name', '')) if kind == 'system-bus-name' else ''
    self.checks.append((str(action_id), name, int(flags)))
    answer = self.answers.get(str(action_id), self.default_answer)
    if answer == 'error':
        raise dbus.exceptions.DBusException('the fake authority fails on purpose',
                                            name='org.freedesktop.PolicyKit1.Error.Failed')
    return (answer == 'yes', answer == 'challenge', dbus.Dictionary({}, signature='ss'))


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetAnswer(self, action_id, answer):
    self.answers[str(action_id)] = str(answer)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def SetDefault(self, answer):
    self.default_answer = str(answer)


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(ssu)')
def GetChecks(self):
    return dbus.Array(self.checks, signature='(ssu)')


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='')
def ClearChecks(self):
    self.checks = []
