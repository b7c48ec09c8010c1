------------------------------- MODULE Writer -------------------------------
(***************************************************************************)
(* The writer: the thread that executes commands. Every write that changes *)
(* a block the dump still reads copies that one block first (block-level   *)
(* copy-on-write); blocks it lets go of that the dump still reads are      *)
(* handed to the dump instead of being freed.                              *)
(***************************************************************************)
EXTENDS SabreBase

(* SET k v: a whole new one-block value; the old value's blocks are released. *)
SetInto(k, v, b, rest) ==
    LET freed == IF Bug = "LeakOnSet" THEN <<>> ELSE NotHeld(k, ks[k])
    IN /\ ks' = [ks EXCEPT ![k] = <<b>>]
       /\ freeList' = Reverse(freed) \o rest
       /\ mem' = [x \in Blocks |-> IF x = b THEN v
                                   ELSE IF x \in Range(freed) THEN NoVal ELSE mem[x]]

Set(k, v) ==
    /\ \/ CanAlloc(1) /\ SetInto(k, v, Head(freeList), Tail(freeList))
       \/ Bug = "ReuseQueued" /\ freeList = <<>> /\ queue # {}
          /\ SetInto(k, v, CHOOSE b \in queue : \A x \in queue : b <= x, <<>>)
    /\ UNCHANGED <<queue, dumping, snap, view, copies, out, oomFalse>>

(* Does writing block b of key k need a copy for the dump? *)
NeedsCopy(k, b) == Bug # "SkipCopy" /\ b \in Range(view[k])

(* SETRANGE-like partial write: block i of k's value gets v. When the dump still reads that  *)
(* block, it is copied first; at CopyBound copies the write waits (the writer runs DumpStep   *)
(* itself, which writes a dirty key and releases its copies).                                *)
WriteBlock(k, i, v) ==
    /\ i \in DOMAIN ks[k]
    /\ LET b == ks[k][i] IN
       /\ mem[b] # v
       /\ IF ~NeedsCopy(k, b)
          THEN /\ mem' = [mem EXCEPT ![b] = v]
               /\ UNCHANGED <<freeList, view, copies>>
          ELSE LET toCopy == IF Bug = "CopyWhole"
                             THEN SelectSeq(view[k], LAMBDA x : x \in LiveBlocks)
                             ELSE <<b>>
                   n == Len(toCopy)
                   fresh == SubSeq(freeList, 1, n)
                   copyOf(x) == fresh[CHOOSE j \in 1..n : toCopy[j] = x]
               IN /\ CanAlloc(n)
                  /\ Bug = "NoBound" \/ Cardinality(copies) + n <= CopyBound
                  /\ freeList' = SubSeq(freeList, n + 1, Len(freeList))
                  /\ mem' = [x \in Blocks |->
                                IF x = b THEN v
                                ELSE IF x \in Range(fresh) THEN mem[toCopy[CHOOSE j \in 1..n : fresh[j] = x]]
                                ELSE mem[x]]
                  /\ view' = [view EXCEPT ![k] = [j \in DOMAIN @ |->
                                 IF @[j] \in Range(toCopy) THEN copyOf(@[j]) ELSE @[j]]]
                  /\ copies' = copies \cup Range(fresh)
    /\ UNCHANGED <<ks, queue, dumping, snap, out, oomFalse>>

(* APPEND-like growth by one block: the new block is born after any running dump began, *)
(* so the dump never reads it and nothing is copied.                                   *)
AppendBlock(k, v) ==
    /\ ks[k] # <<>>
    /\ Len(ks[k]) < MaxLen
    /\ CanAlloc(1)
    /\ LET b == Head(freeList) IN
       /\ ks' = [ks EXCEPT ![k] = Append(@, b)]
       /\ mem' = [mem EXCEPT ![b] = v]
       /\ freeList' = Tail(freeList)
    /\ UNCHANGED <<queue, dumping, snap, view, copies, out, oomFalse>>

(* DEL k: synchronous free of every block the dump does not still read. *)
Del(k) ==
    /\ ks[k] # <<>>
    /\ ks' = [ks EXCEPT ![k] = <<>>]
    /\ PushFree(NotHeld(k, ks[k]))
    /\ UNCHANGED <<queue, dumping, snap, view, copies, out, oomFalse>>

(* An allocation that fails. Correct only when no block is free and none is queued. *)
AllocFail ==
    /\ freeList = <<>>
    /\ queue = {} \/ Bug = "FalseOom"
    /\ oomFalse' = (queue # {})
    /\ UNCHANGED <<ks, mem, freeList, queue, dumping, snap, view, copies, out>>
=============================================================================
