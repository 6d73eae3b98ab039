// releaseStorage(): empties a container and frees what it had allocated. For the unordered
// containers, `c = {}` and c.clear() both keep the bucket array (`= {}` is the initializer-list
// assignment), and an array grown during a burst of sessions pins the top of the heap after it.
#pragma once

namespace ck {

template <typename Container> void releaseStorage(Container& c)
{
    Container().swap(c);
}

} // namespace ck
