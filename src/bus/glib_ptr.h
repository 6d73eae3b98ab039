// Owning smart pointers for GLib/GIO objects: one deleter per C type.
#pragma once

#include <gio/gio.h>

#include <memory>
#include <utility>

namespace ck::bus {

struct GVariantUnref {
    void operator()(GVariant* v) const { g_variant_unref(v); }
};
struct GErrorFree {
    void operator()(GError* e) const { g_error_free(e); }
};
struct GObjectUnref {
    void operator()(gpointer o) const { g_object_unref(o); }
};
struct GFree {
    void operator()(gpointer p) const { g_free(p); }
};
struct GStrvFree {
    void operator()(gchar** p) const { g_strfreev(p); }
};

using VariantPtr = std::unique_ptr<GVariant, GVariantUnref>;
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;
using CharPtr = std::unique_ptr<gchar, GFree>;
template <typename T> using ObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Takes a new reference to a floating or full variant.
inline VariantPtr takeVariant(GVariant* v)
{
    return VariantPtr(v ? g_variant_ref_sink(v) : nullptr);
}

// A GSource id removed on destruction.
class SourceId {
public:
    SourceId() = default;
    explicit SourceId(guint id) : id_(id) { }
    SourceId(const SourceId&) = delete;
    SourceId& operator=(const SourceId&) = delete;
    SourceId(SourceId&& o) noexcept : id_(std::exchange(o.id_, 0)) { }
    SourceId& operator=(SourceId&& o) noexcept
    {
        reset();
        id_ = std::exchange(o.id_, 0);
        return *this;
    }
    ~SourceId() { reset(); }
    void reset()
    {
        if (id_ != 0)
            g_source_remove(std::exchange(id_, 0));
    }
    // The source removed itself (its callback returned G_SOURCE_REMOVE).
    void forget() { id_ = 0; }
    guint get() const { return id_; }

private:
    guint id_ = 0;
};

} // namespace ck::bus
