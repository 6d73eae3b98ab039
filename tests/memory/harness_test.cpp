// Unit tests of the memory harness itself: the budgets file, the SVG chart, the CSV and table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "memory/budgets.h"
#include "memory/memory_trace.h"
#include "memory/svg_chart.h"

namespace ck::memtest {
namespace {

TEST(ABudgetsFile, ReadsKeysValuesAndIgnoresComments)
{
    auto b = Budgets::parse("# comment\n\nthreads_max = 4   # trailing\n  idle_vmsize_max_kib=24576\n");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->get("threads_max").value(), 4);
    EXPECT_EQ(b->get("idle_vmsize_max_kib").value(), 24576);
    EXPECT_EQ(b->values().size(), 2u);
}

TEST(ABudgetsFile, NamesTheLineOfAMalformedEntry)
{
    auto b = Budgets::parse("a = 1\nb = lots\n", "budgets.conf");
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("budgets.conf:2"), std::string::npos) << b.error().message;
    EXPECT_NE(b.error().message.find("lots"), std::string::npos);
    EXPECT_FALSE(Budgets::parse("no equals sign\n"));
    EXPECT_FALSE(Budgets::parse("= 3\n"));
    EXPECT_FALSE(Budgets::parse("a = 1\na = 2\n"));
}

TEST(ABudgetsFile, ReportsAMissingKeyByName)
{
    auto b = Budgets::parse("a = 1\n", "f.conf");
    ASSERT_TRUE(b);
    auto v = b->get("threads_max");
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().message.find("threads_max"), std::string::npos);
}

TEST(TheCheckedInBudgets, HaveEveryKeyTheScenariosUse)
{
    auto b = Budgets::load(defaultBudgetsPath());
    ASSERT_TRUE(b) << b.error().message;
    for (const char* key : {"threads_max", "idle_vmsize_max_kib", "idle_pss_max_kib", "idle_private_dirty_max_kib",
             "sessions_per_cycle", "session_cycles", "rss_per_session_max_bytes", "rss_growth_cycle2_to_10_max_kib",
             "cycle_vmsize_over_idle_max_kib", "cycle_private_dirty_over_idle_max_kib", "queries",
             "queries_rss_growth_max_kib", "queries_vmsize_growth_max_kib",
             "waitactive_vmsize_over_waitevent_idle_max_kib", "waitactive_threads_max", "vt_visit_rss_growth_max_kib"})
        EXPECT_TRUE(b->has(key)) << key;
    // The numbers of issue 12.
    EXPECT_EQ(b->get("threads_max").value(), 4);
    EXPECT_EQ(b->get("idle_vmsize_max_kib").value(), 24 * 1024);
    EXPECT_EQ(b->get("idle_pss_max_kib").value(), 5 * 1024);
    EXPECT_EQ(b->get("idle_private_dirty_max_kib").value(), 1024);
    EXPECT_EQ(b->get("rss_per_session_max_bytes").value(), 3 * 1024);
    EXPECT_EQ(b->get("cycle_vmsize_over_idle_max_kib").value(), 4 * 1024);
    EXPECT_EQ(b->get("cycle_private_dirty_over_idle_max_kib").value(), 1024);
    EXPECT_EQ(b->get("rss_growth_cycle2_to_10_max_kib").value(), 256);
    EXPECT_EQ(b->get("waitactive_vmsize_over_waitevent_idle_max_kib").value(), 8 * 1024);
}

TEST(NiceSteps, AreOneTwoOrFiveTimesAPowerOfTen)
{
    EXPECT_DOUBLE_EQ(niceStep(10, 5), 2);
    EXPECT_DOUBLE_EQ(niceStep(24, 5), 5);
    EXPECT_DOUBLE_EQ(niceStep(0.9, 5), 0.2);
    EXPECT_DOUBLE_EQ(niceStep(0, 5), 1);
}

TEST(AnSvgChart, IsAStandaloneDocumentWithOnePolylinePerSeriesAndEscapedLabels)
{
    Chart c;
    c.title = "a <b> & c";
    c.x = {0, 1, 2};
    c.series = {{"VmRSS", "red", {1, 2, 3}, false}, {"Threads", "green", {3, 3, 4}, true}};
    c.markers = {{1, "cycle \"1\""}};
    const std::string svg = renderSvg(c);
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    std::size_t polylines = 0;
    for (auto p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1))
        ++polylines;
    EXPECT_EQ(polylines, 2u);
    EXPECT_NE(svg.find("a &lt;b&gt; &amp; c"), std::string::npos);
    EXPECT_NE(svg.find("cycle &quot;1&quot;"), std::string::npos);
    EXPECT_EQ(svg.find("<b>"), std::string::npos);
}

TEST(AnSvgChart, RendersWithoutData)
{
    const std::string svg = renderSvg(Chart{});
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(AMemoryTrace, RecordsCheckpointsOfAProcessInTheTableAndTheCsv)
{
    MemoryTrace trace("self", std::chrono::milliseconds(10));
    trace.follow(::getpid());
    ASSERT_TRUE(trace.checkpoint("start"));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    auto end = trace.checkpoint("end");
    ASSERT_TRUE(end);
    EXPECT_GT(end->vmRSS, 0);
    EXPECT_GE(end->threads, 2); // this thread and the sampler
    EXPECT_EQ(trace.checkpoints().size(), 2u);
    EXPECT_GT(trace.samples().size(), 3u); // periodic samples too
    EXPECT_GE(trace.maxThreads(), 2);
    const std::string table = trace.table();
    EXPECT_NE(table.find("VmHWM"), std::string::npos);
    EXPECT_NE(table.find("PrivDirty"), std::string::npos);
    EXPECT_NE(table.find("start"), std::string::npos);
    EXPECT_NE(table.find("end"), std::string::npos);
    const std::string csv = trace.csv();
    EXPECT_EQ(csv.rfind("seconds,checkpoint,pid,VmSize_kB,VmRSS_kB,Pss_kB,Private_Dirty_kB,VmHWM_kB,VmData_kB,"
                        "VmStk_kB,Threads\n",
                  0),
        0u);
    // Pss and Private_Dirty of the checkpoint come from smaps_rollup: real numbers, not -1.
    auto sample = trace.checkpointSample("again");
    ASSERT_TRUE(sample) << sample.error().message;
    EXPECT_GT(sample->pss, 0);
    EXPECT_GT(sample->privateDirty, 0);
    EXPECT_NE(csv.find(",\"end\"," + std::to_string(::getpid()) + ","), std::string::npos);
}

TEST(AMemoryTrace, FailsACheckpointWhenNoProcessIsFollowed)
{
    MemoryTrace trace("none");
    EXPECT_FALSE(trace.checkpoint("x"));
}

} // namespace
} // namespace ck::memtest
