// Clipboard access for the terminal's copy and paste buttons. The async
// Clipboard API needs a secure context (HTTPS or localhost). Elsewhere,
// copying falls back to execCommand, and pasting needs the browser's own
// paste shortcut or menu.

export async function copyText(text: string): Promise<boolean> {
  if (text === '') {
    return false;
  }
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Fall through to the legacy path.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

// Returns the clipboard text, or null when the browser does not allow
// reading it.
export async function readClipboardText(): Promise<string | null> {
  if (!navigator.clipboard?.readText) {
    return null;
  }
  try {
    return await navigator.clipboard.readText();
  } catch {
    return null;
  }
}
