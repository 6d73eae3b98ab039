// Fuzz target: one history log line (ck-history's input) through parseHistoryLine(). A line
// that parses must survive a write and a read back unchanged: what the daemon writes, the
// tools read as written.
#include "fuzz_target.h"
#include "state/history.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ck::state;
    auto first = parseHistoryLine(ck::fuzz::asText(data, size));
    if (!first)
        return 0;
    // The first parse may hold fields its type does not write (skipped keys, full ids), so
    // the fixed point is reached after one write: write, read, write again, read again.
    const std::string line1 = formatHistoryLine(*first);
    auto second = parseHistoryLine(line1);
    if (!second)
        ck::fuzz::violated("a line we wrote does not parse", line1 + "\n" + second.error().message);
    const std::string line2 = formatHistoryLine(*second);
    if (line1 != line2)
        ck::fuzz::violated("a line we wrote reads back differently", line1 + "\n" + line2);
    auto third = parseHistoryLine(line2);
    if (!third || !(*third == *second))
        ck::fuzz::violated("parsing is not stable", line2);
    return 0;
}
