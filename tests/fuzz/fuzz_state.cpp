// Fuzz target: the restart state file (<rundir>/state) through parseState(). State that loads
// must be written back as a snapshot that loads again to the same text.
#include "fuzz_target.h"
#include "state/persist.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace ck::state;
    auto loaded = parseState(ck::fuzz::asText(data, size));
    if (!loaded)
        return 0;
    const std::string text1 = formatState(loaded->snapshot, loaded->nextSessionSerial, loaded->nextSeatSerial);
    auto again = parseState(text1);
    if (!again)
        ck::fuzz::violated("a snapshot we wrote does not load", text1 + "\n" + again.error().message);
    const std::string text2 = formatState(again->snapshot, again->nextSessionSerial, again->nextSeatSerial);
    if (text1 != text2)
        ck::fuzz::violated("a snapshot we wrote loads differently", text1 + "\n----\n" + text2);
    return 0;
}
