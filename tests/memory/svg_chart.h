// A hand-made SVG line chart (no external tools): time on x, two y axes, checkpoint markers.
#pragma once

#include <string>
#include <vector>

namespace ck::memtest {

struct ChartSeries {
    std::string name;
    std::string color; // any SVG colour, e.g. "#1f77b4"
    std::vector<double> values; // one per x value
    bool rightAxis = false; // plotted against the right-hand axis
};

struct ChartMarker {
    double x = 0;
    std::string label;
};

struct Chart {
    std::string title;
    std::string xLabel;
    std::string leftLabel;
    std::string rightLabel;
    std::vector<double> x;
    std::vector<ChartSeries> series;
    std::vector<ChartMarker> markers; // dashed vertical lines with a label
};

// A complete standalone SVG document. Axis ranges start at 0 and end at a "nice" value (1, 2 or 5
// times a power of ten per tick); an empty chart still renders its frame and title.
std::string renderSvg(const Chart& chart);

// The tick step that gives about `ticks` ticks up to `max`: 1, 2, 2.5 or 5 times a power of ten.
double niceStep(double max, int ticks);

// Text with &, <, >, " and ' escaped for XML.
std::string xmlEscape(const std::string& text);

} // namespace ck::memtest
