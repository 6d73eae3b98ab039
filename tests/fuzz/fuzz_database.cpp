// Fuzz target: the database (<rundir>/database) as its readers see it. The daemon never reads
// the database back; polkit <= 0.105, udev-acl and scripts read it with GKeyFile. So the
// "database reader" fuzzed is the round trip: client-chosen session strings (NUL-separated in
// the input, made valid UTF-8 as the daemon requires) go through formatDatabase(), and GLib's
// own GKeyFile parser must load the file and return every string as GLib's own writer
// (g_key_file_set_string) would have it read back. (Not always unchanged: GKeyFile has no escape
// for a leading \f or \v, which every reader strips; the fuzzer found that first.)
#include <glib.h>

#include "fuzz_target.h"
#include "state/database.h"

namespace {

std::string validUtf8(const std::string& s)
{
    gchar* valid = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
    std::string out(valid);
    g_free(valid);
    return out;
}

// What a reader gets back for `value` written by GLib itself; also checks that our escaping is
// byte for byte GLib's.
std::string glibRoundTrip(const std::string& value)
{
    GKeyFile* file = g_key_file_new();
    g_key_file_set_string(file, "g", "k", value.c_str());
    gsize length = 0;
    gchar* text = g_key_file_to_data(file, &length, nullptr);
    const std::string expectedLine = "k=" + ck::state::escapeKeyFileValue(value) + "\n";
    if (std::string_view(text, length).find(expectedLine) == std::string_view::npos)
        ck::fuzz::violated("escapeKeyFileValue() differs from g_key_file_set_string()", std::string(text, length));
    GKeyFile* reread = g_key_file_new();
    gchar* back = g_key_file_load_from_data(reread, text, length, G_KEY_FILE_NONE, nullptr)
        ? g_key_file_get_string(reread, "g", "k", nullptr)
        : nullptr;
    std::string out = back != nullptr ? back : "";
    g_free(back);
    g_free(text);
    g_key_file_free(reread);
    g_key_file_free(file);
    return out;
}

void expectString(GKeyFile* file, const char* group, const char* key, const std::string& expected, bool optional)
{
    GError* error = nullptr;
    gchar* value = g_key_file_get_string(file, group, key, &error);
    if (value == nullptr) {
        const bool absent = g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
        const std::string message = error != nullptr ? error->message : "";
        g_clear_error(&error);
        if (optional && expected.empty() && absent)
            return;
        ck::fuzz::violated("GKeyFile cannot read a value we wrote", std::string(key) + ": " + message);
    }
    const bool same = glibRoundTrip(expected) == value;
    const std::string got = value;
    g_free(value);
    if (!same)
        ck::fuzz::violated(
            "GKeyFile reads a value back changed", std::string(key) + ": '" + expected + "' -> '" + got + "'");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ck::state;
    const auto raw = ck::fuzz::splitFields(ck::fuzz::asText(data, size), '\0');
    auto field = [&](std::size_t i) { return i < raw.size() ? validUtf8(raw[i]) : std::string(); };

    Snapshot snapshot;
    SeatRecord seat;
    seat.id = "/org/freedesktop/ConsoleKit/Seat1";
    seat.sessionIds = {"/org/freedesktop/ConsoleKit/Session1"};
    seat.devices = {{"drm", field(7)}};
    seat.activeSessionId = seat.sessionIds[0];
    snapshot.seats.push_back(seat);
    SessionRecord s;
    s.id = "/org/freedesktop/ConsoleKit/Session1";
    s.uid = 1000;
    s.seatId = seat.id;
    s.type = field(0);
    s.loginSessionId = field(1);
    s.displayDevice = field(2);
    s.x11DisplayDevice = field(3);
    s.x11Display = field(4);
    s.remoteHostName = field(5);
    s.creationTime = "2026-12-03T17:25:25.000000Z";
    snapshot.sessions.push_back(s);
    LeaderRecord leader;
    leader.sessionId = s.id;
    leader.uid = 1000;
    leader.pid = 42;
    leader.serviceName = field(6);
    snapshot.leaders.push_back(leader);

    const std::string text = formatDatabase(snapshot);
    GKeyFile* file = g_key_file_new();
    GError* error = nullptr;
    if (!g_key_file_load_from_data(file, text.data(), text.size(), G_KEY_FILE_NONE, &error)) {
        const std::string message = error->message;
        g_clear_error(&error);
        g_key_file_free(file);
        ck::fuzz::violated("GKeyFile cannot load the database", message + "\n" + text);
    }
    const char* group = "Session /org/freedesktop/ConsoleKit/Session1";
    expectString(file, group, "type", s.type, true);
    expectString(file, group, "login_session_id", s.loginSessionId, true);
    expectString(file, group, "display_device", s.displayDevice, true);
    expectString(file, group, "x11_display_device", s.x11DisplayDevice, true);
    expectString(file, group, "x11_display", s.x11Display, true);
    expectString(file, group, "remote_host_name", s.remoteHostName, false);
    expectString(file, "SessionLeader /org/freedesktop/ConsoleKit/Session1", "service_name", leader.serviceName, false);
    expectString(file, "Seat /org/freedesktop/ConsoleKit/Seat1", "devices", "drm:" + seat.devices[0].second, false);
    g_key_file_free(file);
    return 0;
}
