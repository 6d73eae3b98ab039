// SVG rendering of a memory trace: polylines over a grid, a legend, and checkpoint markers.
#include "memory/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace ck::memtest {

namespace {
constexpr double kWidth = 960;
constexpr double kHeight = 540;
constexpr double kLeft = 80; // room for the left axis labels
constexpr double kRight = 70; // room for the right axis labels
constexpr double kTop = 50;
constexpr double kBottom = 150; // room for the x axis, rotated checkpoint labels and the legend

std::string num(double v)
{
    char buf[32];
    if (std::fabs(v - std::round(v)) < 1e-9)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0')
            s.pop_back();
        if (s.back() == '.')
            s.pop_back();
    }
    return s;
}

struct Axis {
    double max = 1;
    double step = 1;
};

Axis axisFor(double dataMax)
{
    Axis a;
    if (!(dataMax > 0))
        dataMax = 1;
    a.step = niceStep(dataMax, 5);
    a.max = std::ceil(dataMax / a.step - 1e-9) * a.step;
    if (a.max < dataMax)
        a.max += a.step;
    return a;
}
} // namespace

double niceStep(double max, int ticks)
{
    if (!(max > 0) || ticks < 1)
        return 1;
    const double raw = max / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * magnitude >= raw - 1e-12)
            return m * magnitude;
    return 10 * magnitude;
}

std::string xmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string renderSvg(const Chart& chart)
{
    const double plotW = kWidth - kLeft - kRight;
    const double plotH = kHeight - kTop - kBottom;
    double xMaxData = 0, leftMaxData = 0, rightMaxData = 0;
    for (double v : chart.x)
        xMaxData = std::max(xMaxData, v);
    for (const auto& m : chart.markers)
        xMaxData = std::max(xMaxData, m.x);
    for (const auto& s : chart.series)
        for (double v : s.values)
            (s.rightAxis ? rightMaxData : leftMaxData) = std::max(s.rightAxis ? rightMaxData : leftMaxData, v);
    const Axis xAxis = axisFor(xMaxData);
    // 5 % headroom: a series at its maximum stays visible above the frame.
    const Axis left = axisFor(leftMaxData * 1.05);
    const Axis right = axisFor(rightMaxData * 1.05);
    const auto px = [&](double x) { return kLeft + x / xAxis.max * plotW; };
    const auto pyL = [&](double v) { return kTop + plotH - v / left.max * plotH; };
    const auto pyR = [&](double v) { return kTop + plotH - v / right.max * plotH; };

    std::ostringstream o;
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(kWidth) << "\" height=\"" << num(kHeight)
      << "\" viewBox=\"0 0 " << num(kWidth) << ' ' << num(kHeight)
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << num(kWidth / 2) << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">"
      << xmlEscape(chart.title) << "</text>\n";

    // Grid and tick labels.
    o << "<g stroke=\"#dddddd\" stroke-width=\"1\">\n";
    for (double v = 0; v <= left.max + 1e-9; v += left.step)
        o << "<line x1=\"" << num(kLeft) << "\" y1=\"" << num(pyL(v)) << "\" x2=\"" << num(kLeft + plotW) << "\" y2=\""
          << num(pyL(v)) << "\"/>\n";
    for (double v = 0; v <= xAxis.max + 1e-9; v += xAxis.step)
        o << "<line x1=\"" << num(px(v)) << "\" y1=\"" << num(kTop) << "\" x2=\"" << num(px(v)) << "\" y2=\""
          << num(kTop + plotH) << "\"/>\n";
    o << "</g>\n<g fill=\"#333333\">\n";
    for (double v = 0; v <= left.max + 1e-9; v += left.step)
        o << "<text x=\"" << num(kLeft - 6) << "\" y=\"" << num(pyL(v) + 4) << "\" text-anchor=\"end\">" << num(v)
          << "</text>\n";
    for (double v = 0; v <= right.max + 1e-9; v += right.step)
        o << "<text x=\"" << num(kLeft + plotW + 6) << "\" y=\"" << num(pyR(v) + 4) << "\">" << num(v) << "</text>\n";
    for (double v = 0; v <= xAxis.max + 1e-9; v += xAxis.step)
        o << "<text x=\"" << num(px(v)) << "\" y=\"" << num(kTop + plotH + 16) << "\" text-anchor=\"middle\">" << num(v)
          << "</text>\n";
    o << "</g>\n";
    o << "<rect x=\"" << num(kLeft) << "\" y=\"" << num(kTop) << "\" width=\"" << num(plotW) << "\" height=\""
      << num(plotH) << "\" fill=\"none\" stroke=\"#333333\"/>\n";
    o << "<text x=\"" << num(kLeft + plotW / 2) << "\" y=\"" << num(kTop + plotH + 34) << "\" text-anchor=\"middle\">"
      << xmlEscape(chart.xLabel) << "</text>\n";
    o << "<text transform=\"translate(20," << num(kTop + plotH / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << xmlEscape(chart.leftLabel) << "</text>\n";
    o << "<text transform=\"translate(" << num(kWidth - 14) << ',' << num(kTop + plotH / 2)
      << ") rotate(90)\" text-anchor=\"middle\">" << xmlEscape(chart.rightLabel) << "</text>\n";

    // Checkpoint markers: dashed lines, labels rotated below the plot so that many fit.
    o << "<g stroke=\"#999999\" stroke-dasharray=\"4 3\">\n";
    for (const auto& m : chart.markers)
        o << "<line x1=\"" << num(px(m.x)) << "\" y1=\"" << num(kTop) << "\" x2=\"" << num(px(m.x)) << "\" y2=\""
          << num(kTop + plotH) << "\"/>\n";
    o << "</g>\n<g fill=\"#666666\" font-size=\"9\">\n";
    for (const auto& m : chart.markers)
        o << "<text transform=\"translate(" << num(px(m.x) + 3) << ',' << num(kTop + plotH + 42) << ") rotate(60)\">"
          << xmlEscape(m.label) << "</text>\n";
    o << "</g>\n";

    // The series.
    for (const auto& s : chart.series) {
        o << "<polyline fill=\"none\" stroke=\"" << xmlEscape(s.color) << "\" stroke-width=\"1.5\" points=\"";
        const std::size_t n = std::min(s.values.size(), chart.x.size());
        for (std::size_t i = 0; i < n; ++i)
            o << (i ? " " : "") << num(px(chart.x[i])) << ',' << num(s.rightAxis ? pyR(s.values[i]) : pyL(s.values[i]));
        o << "\"/>\n";
    }

    // Legend, bottom left.
    double lx = kLeft;
    const double ly = kHeight - 14;
    for (const auto& s : chart.series) {
        o << "<line x1=\"" << num(lx) << "\" y1=\"" << num(ly - 4) << "\" x2=\"" << num(lx + 20) << "\" y2=\""
          << num(ly - 4) << "\" stroke=\"" << xmlEscape(s.color) << "\" stroke-width=\"3\"/>\n"
          << "<text x=\"" << num(lx + 25) << "\" y=\"" << num(ly) << "\">" << xmlEscape(s.name)
          << (s.rightAxis ? " (right axis)" : "") << "</text>\n";
        lx += 60 + 8.0 * static_cast<double>(s.name.size()) + (s.rightAxis ? 70 : 0);
    }
    o << "</svg>\n";
    return o.str();
}

} // namespace ck::memtest
