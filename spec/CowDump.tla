------------------------------- MODULE CowDump ------------------------------
(***************************************************************************)
(* The dumper: a point-in-time snapshot written key by key while the       *)
(* writer goes on. DumpBegin costs O(1): the dump's view is the keyspace   *)
(* as it stands (no copy). Keys holding copies (dirty keys) are written    *)
(* first, and their copies are released as soon as they are written.      *)
(***************************************************************************)
EXTENDS SabreBase

DumpBegin ==
    /\ ~dumping
    /\ dumping' = TRUE
    /\ snap' = [k \in Keys |-> Content(ks[k])]
    /\ view' = ks
    /\ out' = <<>>
    /\ UNCHANGED <<ks, mem, freeList, queue, copies, oomFalse>>

(* Write key k's snapshot value, then release what only the dump held for it. *)
DumpStep(k) ==
    /\ k \in Todo
    /\ Bug = "CleanFirst" \/ Dirty = {} \/ k \in Dirty
    /\ out' = Append(out, <<k, Content(view[k])>>)
    /\ LET mine == Range(view[k]) \cap DumpHeld
           released == IF Bug = "ReleaseCopyEarly" THEN mine \cup copies ELSE mine
           \* each released block once: k's in the order the dump read them, then any others by index
           order == SelectSeq(view[k], LAMBDA b : b \in released)
                    \o SortedSeq(released \ Range(view[k]))
       IN /\ PushFree(order)
          /\ copies' = copies \ released
    /\ view' = [view EXCEPT ![k] = <<>>]
    /\ UNCHANGED <<ks, queue, dumping, snap, oomFalse>>

DumpEnd ==
    /\ dumping
    /\ Todo = {}
    /\ dumping' = FALSE
    /\ UNCHANGED <<ks, mem, freeList, queue, snap, view, copies, out, oomFalse>>
=============================================================================
