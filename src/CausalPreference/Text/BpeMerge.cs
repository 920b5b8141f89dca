namespace CausalPreference.Text;

/// <summary>
/// The merge loop shared by every BPE tokenizer here: starting from a sequence of symbol ids, repeatedly merge the
/// adjacent pair with the best priority (lowest value), the leftmost one among equals, until no pair can merge.
/// Rank-based BPE (Hugging Face merges lists) uses the merge rank as priority; score-based BPE (SentencePiece,
/// llama2.c) uses minus the merged piece's score. A priority queue over a linked list makes it O(n log n).
/// </summary>
public static class BpeMerge
{
    /// <summary>A pair's merge result: the merged id and its priority (lower merges first), or null if the pair does not merge.</summary>
    public delegate (int id, double priority)? PairMerge(int left, int right);

    /// <summary>Runs the merge loop on <paramref name="symbols"/> and returns the merged ids (a copy of the input when
    /// fewer than 2 symbols or no pair merges). <paramref name="merge"/> says whether and into what an adjacent pair
    /// merges; it is asked again for the neighbours of every merged symbol.</summary>
    public static List<int> Apply(IReadOnlyList<int> symbols, PairMerge merge)
    {
        int n = symbols.Count;
        if (n < 2) return symbols.ToList();
        var id = symbols.ToArray();
        var next = new int[n];
        var prev = new int[n];
        var version = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; alive[i] = true; }
        // entries: (left node, right node, their versions, merged id); priority (merge priority, left position)
        var queue = new PriorityQueue<(int l, int r, int vl, int vr, int merged), (double, int)>();
        void Push(int l)
        {
            if (l < 0) return;
            int r = next[l];
            if (r < 0) return;
            if (merge(id[l], id[r]) is { } m) queue.Enqueue((l, r, version[l], version[r], m.id), (m.priority, l));
        }
        for (int i = 0; i + 1 < n; i++) Push(i);
        while (queue.TryDequeue(out var e, out _))
        {
            if (!alive[e.l] || !alive[e.r] || next[e.l] != e.r || version[e.l] != e.vl || version[e.r] != e.vr) continue; // stale
            id[e.l] = e.merged;
            version[e.l]++;
            alive[e.r] = false;
            next[e.l] = next[e.r];
            if (next[e.r] >= 0) prev[next[e.r]] = e.l;
            Push(prev[e.l]);
            Push(e.l);
        }
        var result = new List<int>();
        for (int i = 0; i >= 0; i = next[i]) result.Add(id[i]);
        return result;
    }
}
