import { Link } from 'react-router';

// Notice that replaces the terminal page when the gateway has no session
// with the id in the address, because it was deleted or the link is wrong.
export function SessionNotFound({ id }: { id: string }) {
  return (
    <section className="page" data-testid="session-not-found">
      <h1>Session not found</h1>
      <div className="notice notice-error" role="alert">
        <span>
          The gateway has no session with the id <code>{id}</code>. It may have been deleted, or the link is wrong.{' '}
          <Link to="/sessions">Back to the sessions list</Link>
        </span>
      </div>
    </section>
  );
}
