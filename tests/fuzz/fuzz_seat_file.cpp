// Fuzz target: one /etc/ConsoleKit/seats.d/*.seat file through parseSeatFile().
#include "core/seat_config.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto config = ck::core::parseSeatFile(ck::fuzz::asText(data, size), "fuzz.seat");
    if (config && config->file != "fuzz.seat" && !config->file.empty())
        ck::fuzz::violated("the seat file name changed", config->file);
    return 0;
}
