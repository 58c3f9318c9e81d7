// Loaded on demand by ProposalEditor.svelte: TipTap and ProseMirror are most of the app's weight,
// and only the proposal screen needs them.
import { Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { Placeholder } from '@tiptap/extensions';
import StarterKit from '@tiptap/starter-kit';
import type { TriadSession } from '$lib/state/triad-session.svelte';

/** What the collaborative editor binds to. */
export interface ProposalEditorOptions {
	element: HTMLElement;
	fragment: ReturnType<TriadSession['bodyOf']>;
	awareness: TriadSession['awareness'];
	user: TriadSession['caretUser'];
	editable: boolean;
	label: string;
	/** Called after every transaction, so toolbars can refresh their state. */
	onupdate: () => void;
}

/**
 * A TipTap editor bound to a proposal body in the workspace document: every keystroke is a Yjs
 * update, merged with the other members' edits, and the carets of the others are drawn with
 * their name and colour. Undo and redo come from the Yjs undo manager, so they undo only this
 * member's own edits.
 */
export function createProposalEditor(options: ProposalEditorOptions): Editor {
	return new Editor({
		element: options.element,
		editable: options.editable,
		extensions: [
			StarterKit.configure({ undoRedo: false, link: false }),
			Collaboration.configure({ fragment: options.fragment }),
			CollaborationCaret.configure({
				provider: { awareness: options.awareness },
				user: options.user
			}),
			// An empty body otherwise shows as a bare box; read-only, it says so instead of inviting.
			Placeholder.configure({
				showOnlyWhenEditable: false,
				placeholder: ({ editor }) =>
					editor.isEditable ? 'Write the proposal here…' : 'This proposal has no text.'
			})
		],
		editorProps: {
			attributes: {
				role: 'textbox',
				'aria-multiline': 'true',
				'aria-label': options.label,
				class: 'proposal-body'
			}
		},
		onTransaction: options.onupdate
	});
}

export type { Editor };
